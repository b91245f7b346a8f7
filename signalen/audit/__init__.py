"""The audit log: who changed what, written by every feature, read by beheerders."""
