"""Access to DynamoDB and S3. Clients are created lazily and once per process (warm reuse)."""
