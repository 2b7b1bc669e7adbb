// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import "./WalletSignatures.sol";

/// The GSN v1 relay hub behind Polymarket proxy wallets (CLOB signature type 1), with the real
/// hub's outcomes: the owner signs a "rlx:" request naming this hub and the relay (the
/// relayer's EOA that sends the transaction); the hub checks it and calls the target with the
/// owner's address appended, which is how the proxy factory learns who the owner is.
///
/// As on Polygon, a relayed call that fails does NOT revert the relay transaction (its receipt
/// says success): a refused request (bad signature, used nonce) emits CanRelayFailed and leaves
/// the nonce alone; an accepted one uses the nonce up, runs the call and emits
/// TransactionRelayed with the call's status, RelayedCallFailed when it reverted. Only the
/// events tell success from failure.
///
/// Not modelled: relay registration and stakes, the recipient's deposit and charges (always
/// 0), and the recipient's acceptRelayedCall / pre- and post-relayed hooks.
contract ProxyRelayHub is WalletSignatures {
    enum PreconditionCheck {
        OK,
        WrongSignature,
        WrongNonce,
        AcceptRelayedCallReverted,
        InvalidRecipientStatusCode
    }

    enum RelayCallStatus {
        OK,
        RelayedCallFailed,
        PreRelayedFailed,
        PostRelayedFailed,
        RecipientBalanceChanged
    }

    event CanRelayFailed(address indexed relay, address indexed from, address indexed to, bytes4 selector, uint256 reason);
    event TransactionRelayed(
        address indexed relay, address indexed from, address indexed to, bytes4 selector, RelayCallStatus status, uint256 charge
    );

    // Gas the hub needs around the relayed call itself; the real hub refuses (reverts) a relay
    // transaction that could not give the call its signed gas limit.
    uint256 private constant GAS_OVERHEAD = 50_000;

    mapping(address => uint256) private nonces;

    function getNonce(address from) external view returns (uint256) {
        return nonces[from];
    }

    function relayCall(
        address from,
        address to,
        bytes memory encodedFunction,
        uint256 transactionFee,
        uint256 gasPrice,
        uint256 gasLimit,
        uint256 nonce,
        bytes memory signature,
        bytes memory approvalData
    ) external {
        approvalData; // part of the real hub's ABI; no relay approval policy here
        require(gasleft() >= gasLimit + GAS_OVERHEAD, "Not enough gasleft()");
        bytes4 selector = _selector(encodedFunction);
        uint256 check = canRelay(msg.sender, from, to, encodedFunction, transactionFee, gasPrice, gasLimit, nonce, signature);
        if (check != uint256(PreconditionCheck.OK)) {
            emit CanRelayFailed(msg.sender, from, to, selector, check);
            return;
        }
        nonces[from]++;
        // A failed call undoes its own effects only; the nonce stays used, as on Polygon.
        (bool ok,) = to.call{gas: gasLimit}(abi.encodePacked(encodedFunction, from));
        RelayCallStatus status = ok ? RelayCallStatus.OK : RelayCallStatus.RelayedCallFailed;
        emit TransactionRelayed(msg.sender, from, to, selector, status, 0);
    }

    /// Whether the hub would run this request for `relay` now (0), or why not.
    function canRelay(
        address relay,
        address from,
        address to,
        bytes memory encodedFunction,
        uint256 transactionFee,
        uint256 gasPrice,
        uint256 gasLimit,
        uint256 nonce,
        bytes memory signature
    ) public view returns (uint256) {
        bytes memory packed = abi.encodePacked("rlx:", from, to, encodedFunction, transactionFee, gasPrice, gasLimit, nonce);
        bytes32 hash = keccak256(abi.encodePacked(packed, address(this), relay));
        if (signature.length != 65 || _recover(_ethSignedHash(hash), signature) != from) {
            return uint256(PreconditionCheck.WrongSignature);
        }
        if (nonces[from] != nonce) return uint256(PreconditionCheck.WrongNonce);
        return uint256(PreconditionCheck.OK);
    }

    function _selector(bytes memory data) private pure returns (bytes4 selector) {
        require(data.length >= 4, "GREATER_OR_EQUAL_TO_4_LENGTH_REQUIRED");
        assembly {
            selector := mload(add(data, 0x20))
        }
    }
}
