fn main() {
    viewer::run();
}
