package dev.cairn.anchor;

/** What went wrong in the anchor client. */
public enum AnchorErrorCode {
  /** The journal is damaged or was not written by this gateway; the message says how to recover. */
  JOURNAL_CORRUPT,
  /** The journal could not be read or written (disk full, permissions). */
  JOURNAL_IO,
  /** The gateway key could not be created, read or is not owner-only. */
  KEY,
  /** Too many leaves are waiting to be made durable; the caller should refuse new work. */
  OVERLOADED,
  /** The service is closed. */
  CLOSED,
  /** Bad options. */
  CONFIG
}
