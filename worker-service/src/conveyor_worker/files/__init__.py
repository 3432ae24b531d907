"""The files bucket in S3: the adapter behind job_types/context.py's FileStore port."""
