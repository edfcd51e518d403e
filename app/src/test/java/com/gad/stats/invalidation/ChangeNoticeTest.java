package com.gad.stats.invalidation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.util.OptionalLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The trigger's payload format, read as the listener reads it. */
class ChangeNoticeTest {

    @Test
    void usersAreReadWithTheChangeTime() {
        ChangeNotice.Users users = assertInstanceOf(ChangeNotice.Users.class, ChangeNotice.parse("1796051021763:1,3,9223372036854775807"));
        assertEquals(1796051021763L, users.changedAtMillis());
        assertArrayEquals(new long[] { 1, 3, Long.MAX_VALUE }, users.userIds());
    }

    @Test
    void theTransactionIsReadWhenTheNoticeNamesIt() {
        ChangeNotice.Users users = assertInstanceOf(ChangeNotice.Users.class, ChangeNotice.parse("1796051021763:1553:1,3"));
        assertEquals(1796051021763L, users.changedAtMillis());
        assertEquals(OptionalLong.of(1553), users.transactionId());
        assertArrayEquals(new long[] { 1, 3 }, users.userIds());
        assertInstanceOf(ChangeNotice.AllUsers.class, ChangeNotice.parse("1796051024575:1553:*"));
    }

    /** V3's form (a trigger that predates V5, or a notification sent by hand): invalidated whatever happened before. */
    @Test
    void aNoticeWithoutTransactionIsStillRead() {
        ChangeNotice.Users users = assertInstanceOf(ChangeNotice.Users.class, ChangeNotice.parse("1796051021763:7"));
        assertEquals(OptionalLong.empty(), users.transactionId());
    }

    @Test
    void oneUser() {
        ChangeNotice.Users users = assertInstanceOf(ChangeNotice.Users.class, ChangeNotice.parse("5:42"));
        assertArrayEquals(new long[] { 42 }, users.userIds());
    }

    @Test
    void aTruncateNamesEveryUser() {
        ChangeNotice.AllUsers all = assertInstanceOf(ChangeNotice.AllUsers.class, ChangeNotice.parse("1796051024575:*"));
        assertEquals(1796051024575L, all.changedAtMillis());
    }

    @ParameterizedTest
    @ValueSource(strings = { "", ":", "12", "12:", ":1,2", "x:1", "12:1,,2", "12:1,", "12:-4", "12:0", "12:a", "12:**",
            "12:99999999999999999999", "12:1;2",
            "12:5:", "12::5", "12:0:5", "12:-3:5", "12:x:5", "12:5:1:2", "12:5:**", "12:5:1,,2" })
    void anythingElseIsUnreadable(String payload) {
        assertInstanceOf(ChangeNotice.Unreadable.class, ChangeNotice.parse(payload));
    }

    @Test
    void unreadablePayloadsAreLoggedShort() {
        ChangeNotice.Unreadable unreadable = (ChangeNotice.Unreadable) ChangeNotice.parse("y".repeat(7000));
        assertEquals(ChangeNotice.LOGGED_PAYLOAD + 3, unreadable.excerpt().length());
    }
}
