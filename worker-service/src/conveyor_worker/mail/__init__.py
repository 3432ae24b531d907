"""Email through Amazon SES: the adapter behind job_types/context.py's Mailer port."""
