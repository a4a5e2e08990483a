package dev.cairn.adapters.mqtt.impl;

import dev.cairn.adapters.mqtt.MqttEndpointOptions.DeviceIdSource;
import java.security.cert.Certificate;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/** The device id a verified client certificate names: its subject CN or one kind of subject alternative name. */
final class CertificateIdentity {
  private CertificateIdentity() {}

  /** What a client certificate said about the device, or why it names none. */
  record Result(String deviceId, String problem) {}

  /** The device of the TLS session's client certificate; {@code problem} set when there is none or it is unusable. */
  static Result of(SSLSession session, DeviceIdSource source) {
    Certificate[] chain;
    try {
      chain = session == null ? null : session.getPeerCertificates();
    } catch (SSLPeerUnverifiedException e) {
      chain = null;
    }
    if (chain == null || chain.length == 0 || !(chain[0] instanceof X509Certificate cert)) {
      return new Result(null, "no client certificate");
    }
    List<String> names = source == DeviceIdSource.CN ? commonNames(cert) : alternativeNames(cert, sanType(source));
    if (names.size() != 1) {
      return new Result(null, "the client certificate (subject " + cert.getSubjectX500Principal().getName() + ") has "
          + names.size() + " " + source.setting() + " names " + names + "; the device id must be exactly one");
    }
    return new Result(names.get(0), null);
  }

  private static List<String> commonNames(X509Certificate cert) {
    List<String> out = new ArrayList<>();
    try {
      for (Rdn rdn : new LdapName(cert.getSubjectX500Principal().getName()).getRdns()) {
        if (rdn.getType().equalsIgnoreCase("CN")) {
          out.add(String.valueOf(rdn.getValue()));
        }
      }
    } catch (InvalidNameException e) {
      // A subject the JDK cannot read names no device; the caller reports none.
    }
    return out;
  }

  private static int sanType(DeviceIdSource source) {
    return switch (source) {
      case SAN_EMAIL -> 1;
      case SAN_DNS -> 2;
      case SAN_URI -> 6;
      case CN -> throw new IllegalArgumentException("CN is not a subject alternative name");
    };
  }

  private static List<String> alternativeNames(X509Certificate cert, int type) {
    List<String> out = new ArrayList<>();
    try {
      Collection<List<?>> sans = cert.getSubjectAlternativeNames();
      if (sans != null) {
        for (List<?> san : sans) {
          if (san.size() >= 2 && san.get(0) instanceof Integer t && t == type && san.get(1) instanceof String s) {
            out.add(s);
          }
        }
      }
    } catch (CertificateParsingException e) {
      // Unreadable extension: no names.
    }
    return out;
  }
}
