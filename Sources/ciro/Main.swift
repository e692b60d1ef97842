import CiroCLI

@main
struct Main {
    static func main() async {
        await Ciro.main()
    }
}
