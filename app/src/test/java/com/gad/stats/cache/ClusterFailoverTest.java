package com.gad.stats.cache;

import java.util.List;

import com.gad.stats.support.OwnTopology;
import com.gad.stats.support.RedisProbe;
import com.gad.stats.support.RedisTopology;
import com.gad.stats.support.TopologyServicesResource;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/** A Cluster shard failover to a replica that missed a write (3 masters + 3 replicas of {@code deploy/redis/cluster.sh}). */
@QuarkusTest
@TestProfile(ClusterFailoverTest.OnOwnCluster.class)
public class ClusterFailoverTest extends FailoverContract {

    /** A Cluster of its own: this test kills one of its masters. */
    public static class OnOwnCluster extends OwnTopology.Cluster {
    }

    @Override
    int[] masterAndReplicaOf(long user) {
        RedisTopology topology = TopologyServicesResource.topology();
        int any = topology.clusterMasterPorts().get(0);
        long slot = (Long) RedisProbe.callAt(any, "CLUSTER", "KEYSLOT", keys.generationKey(user));
        List<String[]> nodes = clusterNodes(any);
        String[] master = nodes.stream()
                .filter(fields -> fields[2].contains("master") && ownsSlot(fields, slot))
                .findFirst().orElseThrow();
        String[] replica = nodes.stream().filter(fields -> fields[3].equals(master[0])).findFirst().orElseThrow();
        return new int[] { port(master), port(replica) };
    }

    @Override
    boolean promoted(int replica) {
        return TopologyServicesResource.topology().clusterMasterPorts().contains(replica);
    }

    private static List<String[]> clusterNodes(int port) {
        String nodes = new String((byte[]) RedisProbe.callAt(port, "CLUSTER", "NODES"), java.nio.charset.StandardCharsets.UTF_8);
        return nodes.lines().map(line -> line.trim().split(" ")).filter(fields -> fields.length >= 8).toList();
    }

    private static boolean ownsSlot(String[] fields, long slot) {
        for (int i = 8; i < fields.length; i++) {
            String[] range = fields[i].split("-");
            if (!fields[i].startsWith("[") && Long.parseLong(range[0]) <= slot
                    && slot <= Long.parseLong(range[range.length - 1])) {
                return true;
            }
        }
        return false;
    }

    private static int port(String[] fields) {
        String address = fields[1].split("[@,]")[0];
        return Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
    }
}
