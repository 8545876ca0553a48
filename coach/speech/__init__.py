"""Speech to text and delivery metrics (the only faster_whisper importer is transcribe.py)."""
