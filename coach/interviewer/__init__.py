"""The optional LLM interviewer: the LiteLLM client (the only litellm importer), prompts, reply
parsing, redaction, which model may be called, the question bank and the multi-turn interview."""
