// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import "./IERC1155Receiver.sol";
import "./WalletSignatures.sol";

/// One call of a proxy batch, as Polymarket's ProxyWalletFactory encodes it
/// (typeCode 1 = CALL; the real factory's 2 = DELEGATECALL is not supported here).
struct ProxyCall {
    uint8 typeCode;
    address to;
    uint256 value;
    bytes data;
}

/// The code behind every Polymarket proxy wallet: each wallet is a minimal clone of one
/// instance of this contract, made by the factory, which is the only caller it obeys.
contract ProxyWallet is ERC1155Holder, WalletSignatures {
    address private owner; // the factory: the wallet's user is known by its address only

    function initialize() external {
        require(owner == address(0), "ProxyWallet: already initialized");
        owner = msg.sender;
    }

    receive() external payable {}

    function proxy(ProxyCall[] calldata calls) external payable returns (bytes[] memory returnValues) {
        require(msg.sender == owner, "ProxyWallet: only the factory");
        returnValues = new bytes[](calls.length);
        for (uint256 i = 0; i < calls.length; i++) {
            require(calls[i].typeCode == 1, "ProxyWallet: only CALL");
            (bool ok, bytes memory returndata) = calls[i].to.call{value: calls[i].value}(calls[i].data);
            if (!ok) _bubble(returndata, "ProxyWallet: call failed");
            returnValues[i] = returndata;
        }
    }
}

/// Polymarket's proxy wallet factory as deployed on Polygon: a user's wallet is a clone of the
/// ProxyWallet instance the factory made, created with CREATE2 (salt keccak256(user), the
/// 20 address bytes packed) on the user's first call, so its address is known before it
/// exists. The clone's init code is the real factory's: a constructor that delegatecalls the
/// factory's cloneConstructor("") and returns an EIP-1167 proxy to the implementation.
///
/// `proxy` runs a batch from the caller's wallet; behind the relay hub the caller is the
/// owner the hub appended to the calldata (the hub checked the owner's signature).
contract ProxyWalletFactory {
    address private immutable hub;
    address private immutable implementation;

    constructor(address hub_) {
        hub = hub_;
        implementation = address(new ProxyWallet());
    }

    function getHubAddr() external view returns (address) {
        return hub;
    }

    function getImplementation() external view returns (address) {
        return implementation;
    }

    /// Run by each clone's constructor (a delegatecall): nothing to set up.
    function cloneConstructor(bytes calldata) external {}

    function proxy(ProxyCall[] calldata calls) external payable returns (bytes[] memory returnValues) {
        address wallet = makeWallet(_msgSender());
        returnValues = ProxyWallet(payable(wallet)).proxy{value: msg.value}(calls);
    }

    /// The user's wallet, created if it does not exist yet. Internal on Polygon (the first
    /// relayed call creates it); public here so the sandbox can deploy one at sign-up, as
    /// polymarket.com does. Anyone may call it: the address, not the caller, decides whose it is.
    function makeWallet(address user) public returns (address wallet) {
        bytes memory code = _cloneCode();
        bytes32 salt = keccak256(abi.encodePacked(user));
        wallet = address(uint160(uint256(keccak256(abi.encodePacked(bytes1(0xff), address(this), salt, keccak256(code))))));
        if (wallet.code.length > 0) return wallet;
        address created;
        assembly {
            created := create2(0, add(code, 0x20), mload(code), salt)
        }
        require(created == wallet, "ProxyWalletFactory: create2 failed");
        ProxyWallet(payable(wallet)).initialize();
    }

    function _cloneCode() private view returns (bytes memory) {
        return bytes.concat(
            hex"3d3d606380380380913d393d73",
            bytes20(address(this)),
            hex"5af4602a57600080fd5b602d8060366000396000f3363d3d373d3d3d363d73",
            bytes20(implementation),
            hex"5af43d82803e903d91602b57fd5bf3",
            abi.encodeWithSignature("cloneConstructor(bytes)", new bytes(0))
        );
    }

    /// GSN v1's rule: behind the hub the sender is the address the hub appended; anyone else
    /// calling directly acts for themselves.
    function _msgSender() private view returns (address sender) {
        if (msg.sender != hub || msg.data.length < 24) return msg.sender;
        assembly {
            sender := shr(96, calldataload(sub(calldatasize(), 20)))
        }
    }
}
