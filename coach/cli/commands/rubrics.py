"""`coach rubrics list / show ID / validate PATH / schema`: the rubric library."""

from __future__ import annotations

import argparse
import sys

import yaml

from coach.rubric.loader import available_rubrics, load_rubric, parse_rubric_file

HELP = "list, show or validate rubrics"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="rubrics_command", metavar="{list,show,validate,schema}", required=True)
    sub.add_parser("list", help="the shipped rubrics")
    show = sub.add_parser("show", help="print a rubric (id or path)")
    show.add_argument("rubric")
    validate = sub.add_parser("validate", help="check a rubric file and say what is wrong")
    validate.add_argument("path")
    sub.add_parser("schema", help="print the JSON Schema of rubric files (for editors that validate YAML)")


def run(args: argparse.Namespace) -> int:
    if args.rubrics_command == "list":
        for rubric_id, path in available_rubrics().items():
            rubric = load_rubric(str(path))
            criteria = len(rubric.criteria())
            print(f"{rubric_id:12} {rubric.name} — {criteria} criteria, {len(rubric.red_flags)} red flags")
        return 0
    if args.rubrics_command == "show":
        rubric = load_rubric(args.rubric)
        sys.stdout.write(yaml.safe_dump(rubric.model_dump(mode="json"), sort_keys=False, allow_unicode=True, width=100))
        return 0
    if args.rubrics_command == "schema":
        from coach.rubric.loader import rubric_schema

        print(rubric_schema())
        return 0
    from pathlib import Path

    rubric = parse_rubric_file(Path(args.path))
    print(f"{args.path}: ok — rubric {rubric.id!r}, {len(rubric.components)} components, "
          f"{len(rubric.criteria())} criteria, {len(rubric.red_flags)} red flags")
    return 0
