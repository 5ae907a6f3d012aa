"""Run-time helpers shared by the stages: locks, failpoints, disk space, process identity,
and how a file's own fault becomes a finding."""
