import streamlit as st

st.title("Dirac-GAN explorer")
st.write("The explorer page is being built.")
