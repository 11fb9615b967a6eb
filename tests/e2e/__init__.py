"""End-to-end tests: the course driven in JupyterLab and Voila by headless Chromium."""
