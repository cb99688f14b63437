"""Flywheel: the router. Every page guards itself too (see ui/frame.py)."""

import streamlit as st

st.set_page_config(page_title="Flywheel", page_icon=":material/donut_large:", layout="wide")

overview = st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:", url_path="overview")


def home() -> None:
    """`/` opens the Overview at `/overview`, with the link's filters.

    Streamlit serves its default page at `/` only, never at its own url_path: were the Overview
    the default page, a link to `/overview` would say "Page not found". So the default page is
    this redirect, and every page, the Overview included, keeps its own URL.
    """
    st.switch_page(overview, query_params=st.query_params.to_dict())


navigation = st.navigation(
    {
        "": [st.Page(home, title="Flywheel", url_path="home", default=True, visibility="hidden")],
        "Adoption": [overview],
    }
)
navigation.run()
