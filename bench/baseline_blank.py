"""Baseline for bench/latency.py: a blank page with one slider (what a rerun costs at least)."""

import streamlit as st

v = st.slider("value", 0, 100, 50, key="v")
st.write(f"value = {v}")
