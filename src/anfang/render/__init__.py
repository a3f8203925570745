"""Renderers: report data -> text, bytes or workbooks. Nothing here reads the logs."""
