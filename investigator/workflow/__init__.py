"""The investigation workflow: a LangGraph StateGraph over the typed steps."""

from investigator.workflow.graph import build_graph, run_investigation
from investigator.workflow.state import Investigation, ProgressEvent

__all__ = ["Investigation", "ProgressEvent", "build_graph", "run_investigation"]
