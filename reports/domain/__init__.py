"""The month-end journal's pure core: accounts and balanced entries (§11), no Django."""
