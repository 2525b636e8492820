"""Offerings domain core: pure Python, no Django.

``qualification`` decides which offerings and corporate events are qualified
(§5.1, §5.2); ``pricing`` computes an offering's Conversion Price (§5.1).
"""
