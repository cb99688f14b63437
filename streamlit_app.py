"""Flywheel: the router. Every page guards itself too (see ui/frame.py)."""

import streamlit as st

st.set_page_config(page_title="Flywheel", page_icon=":material/donut_large:", layout="wide")

navigation = st.navigation(
    {
        "Adoption": [
            st.Page(
                "pages/overview.py", title="Overview", icon=":material/dashboard:", default=True, url_path="overview"
            ),
        ],
    }
)
navigation.run()
