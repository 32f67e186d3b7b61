"""From a query to ranked documents, related notes and explanations."""
