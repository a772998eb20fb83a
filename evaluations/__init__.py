"""Yearly evaluation cycles, rubrics, scores, awards and classification reviews."""
