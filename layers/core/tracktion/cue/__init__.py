"""CUE sheets: dialects, rendering, reading back, files in S3, jobs, cache and triggers."""
