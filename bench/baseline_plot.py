"""Baseline for bench/latency.py: one slider and one 500-point Plotly line."""

import numpy as np
import plotly.graph_objects as go
import streamlit as st

v = st.slider("value", 0, 100, 50, key="v")
x = np.linspace(0, 10, 500)
fig = go.Figure(go.Scatter(x=x, y=np.sin(x + v / 10), mode="lines", name="line"))
st.plotly_chart(fig)
