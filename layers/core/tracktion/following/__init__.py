"""Following a 1001tracklists tracklist's IDs: re-reading its page on a cadence that slows with
the set's age, merging what the source learnt into the user's tracklist without touching the
rows the user edited, and telling the owner (webhook `tracklist.changed`, WebSocket message).

- cadence.py: how often a set is checked, from its age.
- merge.py: the three-way merge (last capture, new capture, the user's tracklist) and the
  report of what changed; completeness (identified / total).
- store.py: the follow records (one per followed tracklist) and the due index.
- service.py: start / stop / status, and the scheduled check of what is due.
"""
