"""Work beside the window: workers, the job queue, the open library session, searches, watching."""
