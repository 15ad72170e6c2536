// Hosts dynalite in a process of its own (local/dynamo-local.ts): its single thread then has a
// core to itself, which the scale benchmark's load needs; it answers its port over IPC.
import dynalite from 'dynalite';

const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
process.on('disconnect', () => process.exit(0));
