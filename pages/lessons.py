"""Guided lessons (being written)."""

import streamlit as st

from ui.boot import require_entrypoint

require_entrypoint()
st.title("Guided lessons")
