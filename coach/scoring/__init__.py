"""The deterministic STAR-L engine: ``score(text, rubric) -> Assessment``. No network, no model."""
