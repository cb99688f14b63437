"""Flywheel: the router. Signs the viewer in, then registers only the pages its role may open;
every page guards itself too (see ui/frame.py)."""

import streamlit as st

from ui import auth, data, frame

st.set_page_config(page_title="Flywheel", page_icon=":material/donut_large:", layout="wide")
with st.sidebar:
    st.markdown("### :material/donut_large: Flywheel")

with frame.database_errors():
    who = auth.viewer(data.url())

overview = st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:", url_path="overview")
my_team = st.Page("pages/my_team.py", title="My team", icon=":material/groups:", url_path="my-team")
admin = st.Page("pages/admin.py", title="Admin", icon=":material/admin_panel_settings:", url_path="admin")


def home() -> None:
    """`/` opens the Overview at `/overview`, with the link's filters.

    Streamlit serves its default page at `/` only, never at its own url_path: were the Overview
    the default page, a link to `/overview` would say "Page not found". So the default page is
    this redirect, and every page, the Overview included, keeps its own URL.
    """
    st.switch_page(overview, query_params=st.query_params.to_dict())


# A page a role may not open is not registered at all: its URL says "Page not found".
sections = {
    "": [st.Page(home, title="Flywheel", url_path="home", default=True, visibility="hidden")],
    "Adoption": [overview, my_team],
}
if who.role in ("lead", "admin"):  # program leads set targets and weights (issue 16)
    sections["Program"] = [st.Page("pages/targets.py", title="Targets", icon=":material/flag:", url_path="targets")]
if who.role == "admin":
    sections["Settings"] = [admin]

navigation = st.navigation(sections)
navigation.run()
