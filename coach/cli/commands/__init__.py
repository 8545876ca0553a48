"""One module per `coach` sub-command: ``add_arguments(parser)`` and ``run(args) -> exit code``.

Modules here are imported at start-up to build the parser, so they import nothing heavy at module
level (no litellm, gradio or faster_whisper): the offline CLI must start in well under a second.
"""
