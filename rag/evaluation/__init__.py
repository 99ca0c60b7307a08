"""The eval suite: metrics, runner and report (datasets live in eval/)."""
