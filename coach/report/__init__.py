"""An assessment rendered for people and programs: JSON, text, Markdown."""
