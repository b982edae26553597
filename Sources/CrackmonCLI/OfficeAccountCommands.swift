import ArgumentParser
import Foundation
import Store
import SyncServer

extension OfficeRole: ExpressibleByArgument {}

/// `--password-file`: the first line of a file (so that no password is typed on a command
/// line, where `ps` and shell history would keep it).
struct PasswordOptions: ParsableArguments {
  @Option(
    help: ArgumentHelp(
      "File whose first line is the password; without it a password is made, printed once, "
        + "and must be changed at first sign-in.", valueName: "file"))
  var passwordFile: String?

  /// The password and whether the user must change it.
  func password() throws -> (String, mustChange: Bool) {
    guard let passwordFile else { return (Passwords.generate(), true) }
    let text: String
    do {
      text = try String(contentsOfFile: passwordFile, encoding: .utf8)
    } catch {
      throw ValidationError("--password-file \(passwordFile): cannot read it as UTF-8 text")
    }
    let password = String(text.split(separator: "\n", omittingEmptySubsequences: false).first ?? "")
      .trimmingCharacters(in: .init(charactersIn: "\r"))
    if let weakness = Passwords.weakness(password) {
      throw ValidationError("--password-file \(passwordFile): \(weakness)")
    }
    return (password, false)
  }

  func announce(_ password: String, mustChange: Bool) {
    guard mustChange else { return }
    print("password: \(password)")
    printError("The password is shown only now; it must be changed at first sign-in.")
  }
}

extension AdminCommand {
  struct User: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "user", abstract: "Office users who sign in to the web application.",
      subcommands: [Add.self, List.self, Password.self, Role.self, Disable.self])

    struct Add: AsyncParsableCommand {
      static let configuration = CommandConfiguration(commandName: "add", abstract: "Add an office user.")
      @Option(help: "Organisation the user works for.")
      var org: String
      @Option(help: "Email address: the name they sign in with.")
      var email: String
      @Option(help: "viewer (reads), engineer (also reviews cracks) or admin (also manages accounts).")
      var role: OfficeRole
      @OptionGroup var password: PasswordOptions
      @OptionGroup var central: CentralOptions

      func run() async throws {
        let (secret, mustChange) = try password.password()
        let hash = try await Passwords.hash(secret)
        let user = try await central.with {
          try await $0.addUser(org: org, email: email, role: role, passwordHash: hash, mustChange: mustChange)
        }
        print("user \(user.id) (\(user.email), \(user.role.rawValue), \(user.orgId))")
        password.announce(secret, mustChange: mustChange)
      }
    }

    struct List: AsyncParsableCommand {
      static let configuration = CommandConfiguration(commandName: "list", abstract: "List office users.")
      @OptionGroup var central: CentralOptions

      func run() async throws {
        for u in try await central.with({ try await $0.users() }) {
          let state =
            u.disabledAt.map { "disabled \($0)" }
            ?? (u.mustChangePassword ? "must change password" : "active")
          print("\(u.id)  \(u.orgId)  \(u.email)  \(u.role.rawValue)  \(state)")
        }
      }
    }

    struct Password: AsyncParsableCommand {
      static let configuration = CommandConfiguration(
        commandName: "password", abstract: "Set a user's password (a forgotten one, say).")
      @Argument(help: "The user's email address.")
      var email: String
      @OptionGroup var password: PasswordOptions
      @OptionGroup var central: CentralOptions

      func run() async throws {
        let (secret, mustChange) = try password.password()
        let hash = try await Passwords.hash(secret)
        try await central.with {
          try await $0.setPassword(email: email, passwordHash: hash, mustChange: mustChange)
        }
        print("password set for \(email)")
        password.announce(secret, mustChange: mustChange)
      }
    }

    struct Role: AsyncParsableCommand {
      static let configuration = CommandConfiguration(commandName: "role", abstract: "Change a user's role.")
      @Argument(help: "The user's email address.")
      var email: String
      @Option(help: "viewer, engineer or admin.")
      var role: OfficeRole
      @OptionGroup var central: CentralOptions

      func run() async throws {
        try await central.with { try await $0.setRole(email: email, role: role) }
        print("\(email) is now \(role.rawValue)")
      }
    }

    struct Disable: AsyncParsableCommand {
      static let configuration = CommandConfiguration(
        commandName: "disable", abstract: "Disable a user: no sign-in, and their sessions end at once.")
      @Argument(help: "The user's email address.")
      var email: String
      @OptionGroup var central: CentralOptions

      func run() async throws {
        try await central.with { try await $0.disableUser(email: email) }
        print("disabled \(email)")
      }
    }
  }

  struct Token: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "token", abstract: "API tokens for integrations (a maintenance system, a script).",
      subcommands: [Add.self, List.self, Revoke.self])

    struct Add: AsyncParsableCommand {
      static let configuration = CommandConfiguration(
        commandName: "add", abstract: "Make an API token and print it, once.")
      @Option(help: "Organisation the token acts for.")
      var org: String
      @Option(help: "A name to recognise it by, like cmms.")
      var name: String
      @Option(help: "viewer, engineer or admin: what the token may do.")
      var role: OfficeRole
      @OptionGroup var central: CentralOptions

      func run() async throws {
        let (made, token) = try await central.with {
          try await $0.addApiToken(org: org, name: name, role: role)
        }
        print("API token \(made.id) (\(made.name), \(made.role.rawValue), \(made.orgId))")
        print("token: \(token)")
        printError("The token is shown only now; the store keeps only its hash.")
      }
    }

    struct List: AsyncParsableCommand {
      static let configuration = CommandConfiguration(commandName: "list", abstract: "List API tokens.")
      @OptionGroup var central: CentralOptions

      func run() async throws {
        for t in try await central.with({ try await $0.apiTokens() }) {
          print(
            "\(t.id)  \(t.orgId)  \(t.name)  \(t.role.rawValue)  \(t.revokedAt.map { "revoked \($0)" } ?? "active")"
          )
        }
      }
    }

    struct Revoke: AsyncParsableCommand {
      static let configuration = CommandConfiguration(
        commandName: "revoke", abstract: "Revoke an API token: its next request is refused.")
      @Argument(help: "Token id, as `admin token list` shows it.")
      var id: String
      @OptionGroup var central: CentralOptions

      func run() async throws {
        try await central.with { try await $0.revokeApiToken(id) }
        print("revoked \(id)")
      }
    }
  }
}
