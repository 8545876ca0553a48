"""STAR-L Coach web app: `python app.py [--host H] [--port P]` (offline by default, 127.0.0.1:7860)."""

from coach.startup import apply_env_defaults

apply_env_defaults(web=True)

from coach.cli import main  # noqa: E402

if __name__ == "__main__":
    import sys

    raise SystemExit(main(["serve", *sys.argv[1:]]))
