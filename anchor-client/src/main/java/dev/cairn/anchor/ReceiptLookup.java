package dev.cairn.anchor;

/**
 * The answer to "where is the receipt of this job?".
 *
 * @param receipt present when {@code status} is {@link Status#READY}
 * @param detail for people: why the receipt is not ready yet
 */
public record ReceiptLookup(Status status, Receipt receipt, String detail) {
  public enum Status {
    /** No leaf of that device and job id is in the journal. */
    NOT_FOUND,
    /** The leaf is durable, but its batch is not sealed or not anchored by every sink yet. */
    PENDING,
    /** Complete: sealed, signed and anchored. */
    READY
  }
}
