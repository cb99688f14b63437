"""Technology: the technology pillar's KPIs against target, who pulls the unit down and why, with drill-downs."""

from ui import pillar_page

pillar_page.render("technology", "Technology")
