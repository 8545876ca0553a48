"""The web app: ``ui``/``ui_progress`` lay it out with gradio (the only gradio importers); the other
modules are gradio-free handlers and HTML fragments that tests call directly."""
