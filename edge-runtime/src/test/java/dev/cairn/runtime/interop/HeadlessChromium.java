package dev.cairn.runtime.interop;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Debian's Chromium, headless, driven over the DevTools protocol (a WebSocket from the JDK's HTTP
 * client): open a page, evaluate expressions in it, collect console errors and uncaught exceptions,
 * take a screenshot. Started with the flags a closed network needs.
 */
final class HeadlessChromium implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final Process process;
  private final WebSocket socket;
  private final AtomicLong ids = new AtomicLong();
  private final Map<Long, CompletableFuture<JsonNode>> calls = new ConcurrentHashMap<>();
  /** Console errors, uncaught exceptions and failed loads, as the page reported them. */
  final List<String> errors = new CopyOnWriteArrayList<>();

  private HeadlessChromium(Process process, WebSocket socket) {
    this.process = process;
    this.socket = socket;
  }

  static HeadlessChromium start(Path profile) throws Exception {
    String bin = ExternalTools.require("chromium", "chromium");
    Process p = new ProcessBuilder(bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
        "--user-data-dir=" + profile, "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
        "--window-size=1280,1100", "about:blank").redirectErrorStream(true).start();
    CompletableFuture<String> browser = new CompletableFuture<>();
    Thread reader = new Thread(() -> {
      Pattern listening = Pattern.compile("DevTools listening on (ws://\\S+)");
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          Matcher m = listening.matcher(line);
          if (m.find()) {
            browser.complete(m.group(1));
          }
        }
      } catch (java.io.IOException e) {
        browser.completeExceptionally(e);
      }
      browser.completeExceptionally(new AssertionError("chromium exited before its DevTools endpoint listened"));
    }, "chromium-log");
    reader.setDaemon(true);
    reader.start();
    URI ws = URI.create(browser.get(60, TimeUnit.SECONDS));
    HttpClient http = HttpClient.newHttpClient();
    String list = http.send(HttpRequest.newBuilder(URI.create("http://" + ws.getAuthority() + "/json/list")).build(),
        HttpResponse.BodyHandlers.ofString()).body();
    String pageSocket = null;
    for (JsonNode t : JSON.readTree(list)) {
      if ("page".equals(t.path("type").asText())) {
        pageSocket = t.path("webSocketDebuggerUrl").asText();
      }
    }
    if (pageSocket == null) {
      p.destroyForcibly();
      throw new AssertionError("chromium has no page target: " + list);
    }
    HeadlessChromium[] self = new HeadlessChromium[1];
    WebSocket socket = http.newWebSocketBuilder().buildAsync(URI.create(pageSocket), new WebSocket.Listener() {
      final StringBuilder message = new StringBuilder();

      @Override
      public CompletionStage<?> onText(WebSocket s, CharSequence data, boolean last) {
        message.append(data);
        if (last) {
          String text = message.toString();
          message.setLength(0);
          self[0].received(text);
        }
        s.request(1);
        return null;
      }
    }).get(30, TimeUnit.SECONDS);
    HeadlessChromium c = new HeadlessChromium(p, socket);
    self[0] = c;
    c.call("Runtime.enable", null);
    c.call("Log.enable", null);
    c.call("Page.enable", null);
    return c;
  }

  private void received(String text) {
    try {
      JsonNode m = JSON.readTree(text);
      if (m.has("id")) {
        CompletableFuture<JsonNode> f = calls.remove(m.path("id").asLong());
        if (f != null) {
          if (m.has("error")) {
            f.completeExceptionally(new AssertionError("DevTools error: " + m.path("error")));
          } else {
            f.complete(m.path("result"));
          }
        }
        return;
      }
      String method = m.path("method").asText();
      JsonNode p = m.path("params");
      if (method.equals("Runtime.exceptionThrown")) {
        errors.add("exception: " + p.path("exceptionDetails").path("exception").path("description").asText(
            p.path("exceptionDetails").path("text").asText()));
      } else if (method.equals("Runtime.consoleAPICalled") && p.path("type").asText().equals("error")) {
        errors.add("console.error: " + p.path("args"));
      } else if (method.equals("Log.entryAdded") && p.path("entry").path("level").asText().equals("error")) {
        errors.add("log: " + p.path("entry").path("text").asText() + " " + p.path("entry").path("url").asText());
      }
    } catch (java.io.IOException e) {
      errors.add("unreadable DevTools message: " + text);
    }
  }

  JsonNode call(String method, ObjectNode params) throws Exception {
    long id = ids.incrementAndGet();
    CompletableFuture<JsonNode> f = new CompletableFuture<>();
    calls.put(id, f);
    ObjectNode m = JSON.createObjectNode().put("id", id).put("method", method);
    if (params != null) {
      m.set("params", params);
    }
    socket.sendText(m.toString(), true).get(10, TimeUnit.SECONDS);
    return f.get(30, TimeUnit.SECONDS);
  }

  void open(String url) throws Exception {
    call("Page.navigate", JSON.createObjectNode().put("url", url));
  }

  /** The value of a JavaScript expression in the page (strings and numbers). */
  String eval(String expression) throws Exception {
    JsonNode r = call("Runtime.evaluate", JSON.createObjectNode().put("expression", expression).put("returnByValue", true));
    return r.path("result").path("value").asText();
  }

  byte[] screenshot() throws Exception {
    JsonNode r = call("Page.captureScreenshot", JSON.createObjectNode().put("format", "png"));
    return java.util.Base64.getDecoder().decode(r.path("data").asText());
  }

  @Override
  public void close() throws Exception {
    socket.abort();
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
  }
}
