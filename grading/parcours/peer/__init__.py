"""Peer review of assignments (issue #27): who reviews whom (:mod:`.allocate`), what a
reviewer sees (:mod:`.anonymise`), grades from reviews (:mod:`.grades`), the records
(:mod:`.records`) and the gradebook write (:mod:`.gradebook`). docs/peer-review.md."""
