package dev.cairn.runtime.demo;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import javax.net.SocketFactory;

/**
 * Paho 1.2.5 leaves Nagle's algorithm on; with delayed ACKs that costs about 88 ms per QoS 1 round
 * trip (MEASURED.md). Every Paho client of Cairn's is given this factory.
 */
public final class NoDelaySocketFactory extends SocketFactory {
  @Override
  public Socket createSocket() throws IOException {
    Socket s = new Socket();
    s.setTcpNoDelay(true);
    return s;
  }

  @Override
  public Socket createSocket(String host, int port) throws IOException {
    return configure(new Socket(host, port));
  }

  @Override
  public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
    return configure(new Socket(host, port, localHost, localPort));
  }

  @Override
  public Socket createSocket(InetAddress host, int port) throws IOException {
    return configure(new Socket(host, port));
  }

  @Override
  public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
      throws IOException {
    return configure(new Socket(address, port, localAddress, localPort));
  }

  private static Socket configure(Socket s) throws IOException {
    s.setTcpNoDelay(true);
    return s;
  }
}
