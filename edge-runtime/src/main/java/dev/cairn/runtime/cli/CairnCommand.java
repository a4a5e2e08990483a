package dev.cairn.runtime.cli;

/** Stub. */
public final class CairnCommand {
  public static void main(String[] args) {}
}
