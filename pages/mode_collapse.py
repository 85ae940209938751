"""Mode collapse in a mixture-of-Gaussians GAN (after Li et al., ICML 2018). Placeholder."""

import streamlit as st

st.title("Mode collapse: a mixture-of-Gaussians GAN")
st.info("This page is being built.")
