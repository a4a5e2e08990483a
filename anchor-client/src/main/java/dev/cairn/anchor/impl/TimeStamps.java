package dev.cairn.anchor.impl;

import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Base64;
import org.bouncycastle.cms.CMSSignedData;
import org.bouncycastle.cms.SignerInformationVerifier;
import org.bouncycastle.cms.jcajce.JcaSimpleSignerInfoVerifierBuilder;
import org.bouncycastle.tsp.TimeStampToken;

/** Offline checks of RFC 3161 tokens (BouncyCastle stays in this package). */
public final class TimeStamps {
  private TimeStamps() {}

  /** Null when the token time-stamps {@code imprint} and is signed by {@code tsaCert} (if given); else why not. */
  public static String check(String tokenBase64, byte[] imprint, X509Certificate tsaCert) {
    TimeStampToken token;
    try {
      token = new TimeStampToken(new CMSSignedData(Base64.getDecoder().decode(tokenBase64)));
    } catch (Exception e) {
      return "the token is not an RFC 3161 time-stamp token: " + e.getMessage();
    }
    if (!Arrays.equals(token.getTimeStampInfo().getMessageImprintDigest(), imprint)) {
      return "the token time-stamps another hash than this checkpoint's commitment";
    }
    if (tsaCert == null) {
      return "no TSA certificate given (--tsa-cert): the token's signature was not checked";
    }
    try {
      SignerInformationVerifier verifier = new JcaSimpleSignerInfoVerifierBuilder().build(tsaCert);
      token.validate(verifier);
      return null;
    } catch (Exception e) {
      return "the token's signature does not verify with the TSA certificate: " + e.getMessage();
    }
  }

  public static String genTime(String tokenBase64) {
    try {
      return new TimeStampToken(new CMSSignedData(Base64.getDecoder().decode(tokenBase64)))
          .getTimeStampInfo().getGenTime().toInstant().toString();
    } catch (Exception e) {
      return "?";
    }
  }
}
