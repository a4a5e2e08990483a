/**
 * Device passwords for the MQTT endpoint. {@link dev.cairn.adapters.auth.PasswordFile} is the file
 * the operator manages with {@code cairn credentials} (one {@code deviceId:<Argon2id PHC hash>} per
 * line, owner-only, rewritten atomically); {@link dev.cairn.adapters.auth.CredentialStore} is what the
 * endpoint holds: it checks a device's password in the same time whether or not the device exists,
 * caches successful checks so reconnects stay cheap, and re-reads the file when it changes, keeping
 * the previous credentials when the new file is bad. {@link dev.cairn.adapters.auth.FailureThrottle}
 * slows down repeated failures from one address. BouncyCastle stays behind
 * {@link dev.cairn.adapters.auth.PasswordHashes}.
 */
package dev.cairn.adapters.auth;
