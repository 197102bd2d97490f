import java.lang.reflect.Field;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.NetworkConnector;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.Server;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

/**
 * Starts DynamoDB Local listening on 127.0.0.1 only. Its command line has no host option and its Jetty
 * server binds every interface, so this launcher builds the server from the same arguments and sets the
 * connector's host before it starts. Run in source-file mode (`java -cp DynamoDBLocal.jar <this file>`),
 * which needs no javac: the JRE's jdk.compiler module compiles it in memory (local/dynamodb-launcher.ts
 * compiles it once and caches the class instead).
 *
 * It also exits when its standard input ends: the parent holds the other end of that pipe, so a parent
 * that dies without stopping it (SIGKILL, a crashed test worker) no longer leaves a JVM holding the port,
 * the data files and memory.
 */
public final class LoopbackDynamoDbLocal {
  private LoopbackDynamoDbLocal() {}

  public static void main(String[] args) throws Exception {
    exitWhenStdinCloses();
    DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
    Field field = DynamoDBProxyServer.class.getDeclaredField("server");
    field.setAccessible(true);
    Server server = (Server) field.get(proxy);
    for (Connector connector : server.getConnectors()) {
      ((ServerConnector) connector).setHost("127.0.0.1");
    }
    // start() prints "Could not start server on port ..." and stops when the port is taken, like the CLI.
    proxy.start();
    System.out.println("DynamoDB Local listening on 127.0.0.1:" + ((NetworkConnector) server.getConnectors()[0]).getPort());
  }

  private static void exitWhenStdinCloses() {
    Thread watcher = new Thread(() -> {
      try {
        while (System.in.read() >= 0) {
          // The parent never writes; anything it sends is ignored.
        }
      } catch (java.io.IOException ignored) {
        // A broken pipe means the parent is gone, the same as end of input.
      }
      System.exit(0);
    }, "parent-watch");
    watcher.setDaemon(true);
    watcher.start();
  }
}
