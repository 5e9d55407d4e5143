"""What a run does: the stages ingest (with its feeds, ``sources``), tag (``tagging``), transform,
validate and publish. Each stage module owns its step and never calls another stage; the Prefect
flow ``flows.pipeline`` sequences them and hands their results to the run journal."""
