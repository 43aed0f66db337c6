"""Django's PostgreSQL backend, with a health check that costs no round trip when the kept
connection has nothing to say, and the planner told what a page read costs here.

**The planner's cost of a random read** (`random_page_cost`, DATABASE_RANDOM_PAGE_COST in the
settings, 1.1 unless set; empty leaves the server's own). PostgreSQL's default, 4, prices a
page read through an index at four sequential reads: right for spinning disks, while the
portal's tables are read from memory. At 4 the planner scanned all 2,000 active agreements,
testing `UPPER(title) LIKE '%WORD%'` on each (1.8 ms), rather than use the title's trigram
index (0.3 ms) for a register search. With the search written as sets of ids
(agreements/search.py), make bench's realistic mix spent 25 % less of PostgreSQL's CPU per
request at 1.1 (register search 9.2 → 3.8 ms, home 2.2 → 1.5), and no page more. Each new
connection sets it once for its session (PostgreSQL's documentation suggests lowering it
where the data is cached in memory). It is set in `_configure_connection`, Django's own step
for a new connection (its time zone and role), which a Django upgrade could rename:
tests/test_database.py reads the value back from a new connection.

With CONN_HEALTH_CHECKS on (settings/database.py), Django checks a kept connection at the
first query of every request and every worker task by running `SELECT 1`: a statement more on
every page, about a tenth of a millisecond of CPU between the web process and PostgreSQL,
where a page makes six or seven. A connection that is idle and healthy has nothing waiting
on its socket. One that PostgreSQL has ended (a restart, `pg_terminate_backend`, an idle
timeout) has its goodbye waiting there, or end-of-file, so the socket is readable. So the
check here looks at the socket first, without waiting, and runs Django's `SELECT 1` only when
something is there to read, or when the connection is not idle: in a transaction, or left
mid-statement by an interrupted task (celery#9824), or already known to be bad. A check after
an error (close_if_unusable_or_obsolete) goes the same way: a connection left healthy by an
ordinary SQL error is kept, a broken one is closed.

What the socket cannot tell, a network that silently dropped the connection, `SELECT 1`
could not tell sooner either: it would wait for TCP's own time-out just as the page's first
query does.
"""

import select

from django.db.backends.postgresql import base
from psycopg import pq


def _readable(fileno: int) -> bool:
    """Something (a message, or end-of-file) waits on the socket now."""
    poller = select.poll()
    poller.register(fileno, select.POLLIN | select.POLLERR | select.POLLHUP)
    return bool(poller.poll(0))


class DatabaseWrapper(base.DatabaseWrapper):
    def _configure_connection(self, connection):
        """Django's (time zone, role) on each new connection, and the planner's cost of a
        random read. Django calls it as a connection opens, and a connection pool for each
        connection it makes."""
        commit = super()._configure_connection(connection)
        cost = self.settings_dict.get("RANDOM_PAGE_COST")
        if cost is None:
            return commit
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('random_page_cost', %s, false)", [str(cost)])
        return True

    def is_usable(self):
        connection = self.connection
        if connection is None:
            return False
        pgconn = connection.pgconn
        if (
            pgconn.status == pq.ConnStatus.OK
            and pgconn.transaction_status == pq.TransactionStatus.IDLE
            and not _readable(pgconn.socket)
        ):
            return True
        return super().is_usable()
