"""Flywheel: the router. Finds who is signed in, then registers only the pages its role may open;
every page guards itself too (see ui/frame.py)."""

import streamlit as st

from ui import auth, data, footer, frame

st.set_page_config(page_title="Flywheel", page_icon=":material/donut_large:", layout="wide")
with st.sidebar:
    st.markdown("### :material/donut_large: Flywheel")

# Every page by its URL path; each pages/ file is named after its path, so that a fresh server
# (Streamlit's legacy pages/ mode, until the first st.navigation) finds the same page.
PAGES = {
    "overview": ("pages/overview.py", "Overview", ":material/dashboard:"),
    "my-team": ("pages/my-team.py", "My team", ":material/groups:"),
    "people": ("pages/people.py", "People", ":material/diversity_3:"),
    "process": ("pages/process.py", "Process", ":material/account_tree:"),
    "technology": ("pages/technology.py", "Technology", ":material/memory:"),
    "meetings": ("pages/meetings.py", "Meetings & actions", ":material/event_note:"),
    "targets": ("pages/targets.py", "Targets", ":material/flag:"),
    "data": ("pages/data.py", "Data", ":material/upload_file:"),
    "admin": ("pages/admin.py", "Admin", ":material/admin_panel_settings:"),
}
ROLES = {"targets": ("lead", "admin"), "data": ("lead", "admin"), "admin": ("admin",)}  # pages open to some roles only

with frame.database_errors(paths=PAGES):  # down: every page's URL says so, and keeps its place
    who = auth.viewer(data.url())

if who is None:
    # Not signed in: every page's URL shows the sign-in form, so a deep link survives signing in
    # (and st.navigation runs on every visit, which ends Streamlit's legacy pages/ mode).
    st.navigation(
        [st.Page(auth.sign_in_page, title="Sign in", url_path="home", default=True)]
        + [st.Page(auth.sign_in_page, title=title, url_path=path) for path, (_, title, _) in PAGES.items()],
        position="hidden",
    ).run()
    st.stop()

pages = {
    path: st.Page(file, title=title, icon=icon, url_path=path)
    for path, (file, title, icon) in PAGES.items()
    if who.role in ROLES.get(path, (who.role,))
}


def home() -> None:
    """`/` opens the Overview at `/overview`, with the link's filters.

    Streamlit serves its default page at `/` only, never at its own url_path: were the Overview
    the default page, a link to `/overview` would say "Page not found". So the default page is
    this redirect, and every page, the Overview included, keeps its own URL.
    """
    st.switch_page(pages["overview"], query_params=st.query_params.to_dict())


# A page a role may not open is not registered at all: its URL says "Page not found".
sections = {
    "": [st.Page(home, title="Flywheel", url_path="home", default=True, visibility="hidden")],
    "Adoption": [pages[p] for p in ("overview", "people", "process", "technology", "my-team", "meetings")],
}
if manage := [pages[p] for p in ("targets", "data", "admin") if p in pages]:
    sections["Program"] = manage
st.navigation(sections).run()
footer.footer(who)  # after the page: freshness of every source (a page that stops has none)
