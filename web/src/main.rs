//! Entry point of the page: Trunk builds this binary to wasm.

fn main() {
    replica_web::start();
}
