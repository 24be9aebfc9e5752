package monetj.train.run;

/** When a run writes a checkpoint: every {@code every} steps (0: never periodically), at its last step, and when interrupted. */
record CheckpointPolicy(int every, long lastStep) {
    boolean due(long step, boolean interrupted) { return interrupted || step == lastStep || (every > 0 && step % every == 0); }
}
