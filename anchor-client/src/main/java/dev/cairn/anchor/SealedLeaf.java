package dev.cairn.anchor;

/**
 * A leaf that is durable in the journal.
 *
 * @param sequence the leaf's position in the journal, from 0
 * @param leafHash RFC 9162 leaf hash, {@code SHA-256(0x00 || leaf)}
 * @param salt the 16 random bytes of the output commitment, returned only to the device (the journal
 *     does not keep it)
 * @param outputBytes bytes of the canonical encoding of the job's outputs, for metering (0 for a leaf that
 *     is not a job's)
 */
public record SealedLeaf(long sequence, byte[] leafHash, byte[] salt, long outputBytes) {

  public SealedLeaf(long sequence, byte[] leafHash, byte[] salt) {
    this(sequence, leafHash, salt, 0);
  }
}
